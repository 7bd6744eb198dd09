"""The slogan check: find the contest's slogan in an uploaded original video.

A family of detectors behind one protocol (:class:`contest.slogan.detect.Detector`): today a
subtitle detector (PyAV frames → RapidOCR → a pure text matcher); a speech detector can be
added to :data:`contest.slogan.detect.DETECTORS` later without touching the review flow, which
only reads :class:`contest.slogan.detect.Finding` values.

Nothing here touches the database or Flask: the job (``contest.jobs.slogan``) and the CLI
(``check-slogan``) call :func:`contest.slogan.detect.check_video`.
"""
