"""劳动关系预警 — the employer dossier and labour-relations early warning.

``rules`` declares the rules (pure data and policy), ``queries`` reads (the dossier, the
warnings board, the report, the clean-record answer) and ``service`` writes: the evaluator that
listens to the engine's signals (:mod:`casework.core.signals`), the disposition clock's sweep
pass, the nightly reconciliation and the dispositions.
"""
