"""The voice channel: calls placed through the product's Asterisk over AMI, call flows
served over FastAGI, and the audio they play."""
