"""The lessons beyond one autoencoder: the family side by side, robustness under noise, a GAN,
unsupervised pretraining, new rows decoded near old ones, and a VAE's reconstructions as samples."""
