"""Greedy layer-wise training (``AutoencoderReducer(greedy=True)``): one shallow autoencoder per
hidden layer, each trained on the codes of the previous one, stacked, then optionally fine-tuned
end to end. The reducer's fit calls :func:`fit_greedy`; the phases share its monitor and training
loop, so progress, Stop, early stopping and the NaN guard behave as in end-to-end training.
"""

from __future__ import annotations

from ..models import builders as models


def fit_greedy(reducer, X_train, X_val, params, seed, progress, stop_event):
    """Greedy layer-wise training of ``reducer`` (its ``architecture_`` already set): one shallow
    autoencoder per layer, stacked, then an optional end-to-end fine-tuning.

    Sets the reducer's models, ``history_``, ``n_epochs_``, ``best_epoch_`` and
    ``stopped_reason_`` (also when interrupted); returns the monitor of the last phase.
    """

    arch = reducer.architecture_
    autoencoder, encoder, decoder = models.build(arch)
    reducer.autoencoder_, reducer.encoder_, reducer.decoder_ = autoencoder, encoder, decoder
    stage_archs = models.greedy_stages(arch)
    n_phases = len(stage_archs) + (1 if reducer.greedy_finetune_epochs > 0 else 0)
    trained: list = []
    history: dict[str, list[float]] = {}
    state = {"offset": 0, "best": 0}
    monitor = None

    def record(phase: int, phase_monitor) -> None:
        """Append a phase's epochs to the history and the counters."""
        n_before = state["offset"]
        for key, values in phase_monitor.history.items():
            history.setdefault(key, [float("nan")] * n_before).extend(values)
        state["offset"] += phase_monitor.epochs_run
        history.setdefault("stage", []).extend([float(phase)] * phase_monitor.epochs_run)
        for values in history.values():  # Keys a phase did not log stay aligned.
            values.extend([float("nan")] * (state["offset"] - len(values)))
        if phase_monitor.best_epoch:
            state["best"] = n_before + phase_monitor.best_epoch

    def listener(phase: int):
        offset = state["offset"]
        if progress is None:
            return None
        return lambda epoch, logs: progress(offset + epoch, {**logs, "stage": phase,
                                                              "n_stages": n_phases})

    def finish(phase_monitor) -> None:
        reducer.history_ = history
        reducer.n_epochs_ = state["offset"]
        reducer.best_epoch_ = state["best"]
        reducer.stopped_reason_ = phase_monitor.stopped_reason if phase_monitor else "completed"

    codes = X_train
    try:
        for phase, stage_arch in enumerate(stage_archs, start=1):
            stage_ae, stage_encoder, stage_decoder = models.build(stage_arch)
            # Validate the whole stack so far on the rows, so val_loss keeps one scale.
            validation_model = _StackSoFar(list(trained), stage_ae) if X_val is not None else None
            monitor = reducer._monitor(params, X_val, progress=listener(phase), stop_event=stop_event,
                                    validation_model=validation_model)
            try:
                # Deeper stages reproduce real-valued codes, for which only MSE makes sense.
                reducer._train(stage_ae, codes, monitor, params, seed + phase, params["epochs"],
                            loss=reducer.loss if phase == 1 else "mse")
            finally:
                trained.append((stage_encoder, stage_decoder))
                record(phase, monitor)
            if monitor.stopped_reason in ("stopped", "nan"):
                break
            codes = reducer._predict(stage_encoder, codes)
    finally:
        models.stack_stages(arch, encoder, decoder, trained)
        finish(monitor)
    if reducer.greedy_finetune_epochs > 0 and monitor.stopped_reason not in ("stopped", "nan"):
        phase = len(stage_archs) + 1
        monitor = reducer._monitor(params, X_val, progress=listener(phase), stop_event=stop_event)
        try:
            reducer._train(autoencoder, X_train, monitor, params, seed, reducer.greedy_finetune_epochs)
        finally:
            record(phase, monitor)
            finish(monitor)
    return monitor


class _StackSoFar:
    """Rows -> trained stage encoders -> the stage in training -> trained decoders -> rows."""

    def __init__(self, trained: list, stage_autoencoder):
        self.trained, self.stage_autoencoder = trained, stage_autoencoder

    def __call__(self, x, training: bool = False):
        for encoder, _ in self.trained:
            x = encoder(x, training=training)
        x = self.stage_autoencoder(x, training=training)
        for _, decoder in reversed(self.trained):
            x = decoder(x, training=training)
        return x
