"""Everything trained: latent steppers, switching classifiers, PINNs, grain and
homogenisation CNNs, image segmentation and the trust layer. The simulator
(``jaxmag`` outside this package) never imports it."""
