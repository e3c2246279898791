"""Electronic seals (电子印章): seal types, seal images, and seal certificates."""
