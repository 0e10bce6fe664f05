/* Sector maps of the staff pages, drawn with Leaflet (static/vendor/leaflet/, loaded first).
 *
 * The map is a visual aid only: the checkbox list beside it is the control that works with
 * a keyboard, a screen reader, and without JavaScript. So the map is aria-hidden and out of
 * the tab order, and a caption beside it says that the list is equivalent.
 *
 * <figure hidden>
 *   <div class="sector-map" data-sector-map data-geojson="/admin/sectors.geojson"
 *        data-select-for="my-form" aria-hidden="true"></div>
 *   <figcaption>(says that the list is equivalent)</figcaption>
 * </figure>
 *
 * data-geojson     URL of a FeatureCollection whose properties have code, name_fr, name_en
 * data-select-for  optional: id of a form whose checkboxes name="sector" value="<code>"
 *                  the map follows; clicking a polygon ticks or unticks its checkbox
 *                  and fires "change" on it
 * data-tiles       optional: a tile URL template ({z}/{x}/{y}); else a plain background
 * data-tiles-attribution  optional: the tiles' attribution, as plain text
 *
 * A map element, or the figure around it, that is hidden is shown once there is a polygon
 * to draw: without JavaScript, or without polygons, the page shows no empty box.
 */
(() => {
  "use strict";

  const PLAIN = { color: "#12324f", weight: 1.5, fillColor: "#0b5cad", fillOpacity: 0.08 };
  const SELECTED = { color: "#0b5cad", weight: 3, fillColor: "#0b5cad", fillOpacity: 0.55 };

  function sectorName(properties) {
    const english = document.documentElement.lang.startsWith("en");
    const name = document.createElement("span"); // text, never HTML: names come from a file
    name.textContent = english ? properties.name_en : properties.name_fr;
    return name;
  }

  function checkboxOf(form, code) {
    return Array.from(form.elements).find(
      (control) => control.type === "checkbox" && control.name === "sector" && control.value === code,
    );
  }

  function followCheckboxes(form, layers) {
    const restyle = () =>
      layers.eachLayer((layer) => {
        const checkbox = checkboxOf(form, layer.feature.properties.code);
        layer.setStyle(checkbox && checkbox.checked ? SELECTED : PLAIN);
      });
    layers.eachLayer((layer) =>
      layer.on("click", () => {
        const checkbox = checkboxOf(form, layer.feature.properties.code);
        if (checkbox && !checkbox.disabled) {
          checkbox.checked = !checkbox.checked;
          checkbox.dispatchEvent(new Event("change", { bubbles: true }));
        }
      }),
    );
    // Checkboxes outside the form (form="…") do not bubble to it: listen on the document.
    document.addEventListener("change", (event) => {
      if (event.target.form === form && event.target.name === "sector") restyle();
    });
    restyle();
  }

  function addTiles(map, element) {
    L.tileLayer(element.dataset.tiles).addTo(map);
    const text = element.dataset.tilesAttribution;
    if (text) {
      const escaped = document.createElement("span");
      escaped.textContent = text;
      L.control.attribution({ prefix: false }).addAttribution(escaped.innerHTML).addTo(map);
    }
  }

  async function drawSectorMap(element) {
    const url = element.dataset.geojson;
    const response = await fetch(url, { headers: { Accept: "application/geo+json" } });
    if (!response.ok) throw new Error(`${url}: HTTP ${response.status}`);
    const collection = await response.json();
    const drawn = collection.features.filter((feature) => feature.geometry !== null);
    if (drawn.length === 0) return;

    // Leaflet measures its container: show it first.
    element.hidden = false;
    const figure = element.closest("figure");
    if (figure) figure.hidden = false;
    element.setAttribute("aria-hidden", "true");
    const map = L.map(element, {
      keyboard: false,
      scrollWheelZoom: false,
      attributionControl: false,
      zoomSnap: 0.25,
    });
    if (element.dataset.tiles) addTiles(map, element);
    const layers = L.geoJSON({ type: "FeatureCollection", features: drawn }, { style: PLAIN });
    map.fitBounds(layers.getBounds(), { padding: [48, 16] }); // a view first: layers wait for it
    layers.addTo(map);
    layers.eachLayer((layer) => {
      layer.getElement().dataset.sector = layer.feature.properties.code;
      layer.bindTooltip(sectorName(layer.feature.properties), {
        permanent: true,
        direction: "center",
        className: "sector-map-label",
      });
    });
    // The zoom buttons stay for the mouse; the keyboard has the list.
    for (const link of element.querySelectorAll("a[href]")) link.tabIndex = -1;

    const form = element.dataset.selectFor && document.getElementById(element.dataset.selectFor);
    if (form) followCheckboxes(form, layers);
  }

  for (const element of document.querySelectorAll("[data-sector-map]")) {
    drawSectorMap(element).catch((error) => console.warn("sector map not drawn:", error));
  }
})();
