"""aecore: the engine of Autoencoder Lab.

Keras autoencoders behind a scikit-learn interface, datasets, honest metrics against PCA, and
Plotly figures. Importing it never imports Streamlit (nor TensorFlow until a model is built).

>>> from aecore import AutoencoderReducer
"""

from .reducer import AutoencoderReducer

__all__ = ["AutoencoderReducer", "__version__"]
__version__ = "0.1.0"
