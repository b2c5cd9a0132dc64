"""Fitting: the Keras callback every fit runs under (:mod:`.monitor`), compiled models kept between
fits (:mod:`.trainer_pool`), greedy layer-wise and streamed training, and the latent history."""
