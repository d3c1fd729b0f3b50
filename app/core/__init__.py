"""What every part of the app uses and no domain owns: dates in force and "today" in France (`dates`), the
catalogue's version counter (`versions`), money (`money`: cents, the one rounding rule, the euro formatter),
text (`text`: folding for searches, the rules every text input follows) and the closed value lists of the
catalogue's columns (`vocabulary`).

Imports point one way: `app.core` imports no other package of `app` (a test keeps it so)."""
