"""案源: public security's link to the centre (dispute-type police calls, 警调对接)."""
