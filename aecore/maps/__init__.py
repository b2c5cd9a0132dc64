"""Maps of latent codes: projections to 2-D (PCA, t-SNE, UMAP) and the neighbours they share,
clusters, a person's selection on a map, a sample's nearest rows and walks between codes."""
