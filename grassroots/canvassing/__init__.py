"""The canvassing app (issue 16): turfs, walk lists, canvass results and the offline app's sync.

Only its engine exists yet — ``canvassing.cutting``, pure Python turf cutting and walk routing
(ADR 0021). It is not an installed app until it has models.
"""
