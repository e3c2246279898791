"""Electronic seals (电子印章, SPEC C5): seal types, seal images, and seal certificates."""
