"""aecore_app: the Streamlit side of Autoencoder Lab, the only code that imports both Streamlit and
:mod:`aecore`. Each module owns one concern; pages (``app_pages/``) import what they draw from here,
and ``app.py`` registers them (``aecore app`` runs it).

==============  ==============================================================================
``page``        the app's name, page setup (language, Share box), UMAP warm-up after the page, ``stop``
``layout``      small layout helpers: ``escape_markdown``, ``metric_row``, ``coded_tabs``, ...
``i18n``        English / Korean string tables (``locales/``) and ``t()`` in this session's language
``caches``      the app's ``st.cache_*`` (bounded, keyed by names and ids), shared stores
``session``     ``ModelKey``, ``CurrentModel``, ``ActiveData``; ``exclusive`` / ``run_exclusive``
                (the job slots every long job runs in); live training
``slots``       the fair, stoppable queue behind the job slots (plain ``threading``)
``model_ui``    the current model as every model page gets it, a linked model opened or offered
``data_ui``     the dataset picker and a person's uploads
``analyses``    shared, queued analyses: map views, clusterings, the anomaly evaluation
``passes``      whole-data passes of a model (codes, errors), estimated, in a slot when long
``url``         the link format: typed query parameters (``Param``), ``read``, ``write``
``model_links`` a model in a link: its parameters, read back into a TrainConfig
``page_link``   this run's link: ``url_state``, ``write_url``, the model a link names
``link_form``   the Train page's form filled in from a link
``tour``        the guided tour: its steps, the home page's list, a step's banner
``widgets``     shared settings widgets: the Train page's settings form
``reports``     downloads of a trained model: codes, weights ZIP, HTML report, figures
``runs_ui``     opening runs, shipped demos and run ZIPs as the current model
``family_ui``   the Family page's data, actions and small widgets (tabs: ``aecore_app/app_pages/family_tabs``)
``latent_ui``   the Latent space page's colour-by, selection and views' scores
==============  ==============================================================================

Imports go one way, no cycles: ``url`` <- ``model_links`` (plain Python, no Streamlit); ``i18n`` <-
``layout`` <- ``caches`` <- ``session`` <- ``page_link`` <- ``link_form``, ``page`` <- ``model_ui`` and
the other page helpers.
"""
