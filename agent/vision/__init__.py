"""Pure vision: image in, result out. Nothing here talks to a device.

- `template`: template images and the density they were cut at
- `match`: locate one or all occurrences of a template, density-scaled, either polarity
- `screen`: identify the current screen from a profile's anchors
- `stable`: tell whether two frames show the same settled screen
- `hierarchy`: parse uiautomator XML and select nodes
- `evidence`: annotate a screenshot with what was looked for and found
- `ocr`: read text (bubbles, badges, lines) with an OCR engine the caller passes in
- `chat_layout`: find a chat screen's list, bubbles, time pills and badges by pixels
"""
