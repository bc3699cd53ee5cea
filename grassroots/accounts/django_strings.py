"""Django's own strings on the password-change page, in the project's catalogues.

Django's Hindi and Bengali catalogues leave the password rules and some errors in English (and
Hindi says "शब्दकूट" where every other screen says "पासवर्ड"). Marking the same msgids here
puts them in ``grassroots/locale``, which Django consults first. Nothing calls this module;
``makemessages`` reads it. The msgids must match Django's exactly
(``django/contrib/auth/forms.py`` and ``password_validation.py``).
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext_lazy

PASSWORD_CHANGE = [
    gettext_lazy("Old password"),
    gettext_lazy("New password"),
    gettext_lazy("New password confirmation"),
    gettext_lazy("Enter the same password as before, for verification."),
    gettext_lazy("The two password fields didn’t match."),
    gettext_lazy("Your old password was entered incorrectly. Please enter it again."),
]

PASSWORD_RULES = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_lazy("The password is too similar to the %(verbose_name)s."),
    gettext_lazy("Your password can’t be too similar to your other personal information."),
    gettext_lazy("This password is too common."),
    gettext_lazy("Your password can’t be a commonly used password."),
    gettext_lazy("This password is entirely numeric."),
    gettext_lazy("Your password can’t be entirely numeric."),
]
