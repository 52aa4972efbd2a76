from django.conf import settings
from django.db import models

# Languages gTTS speaks and espeak-ng can fall back to.
READOUT_LANGUAGES = [
    ("en", "English"),
    ("es", "Español"),
    ("fr", "Français"),
    ("de", "Deutsch"),
    ("it", "Italiano"),
    ("pt", "Português"),
    ("nl", "Nederlands"),
]


class Profile(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile")
    display_name = models.CharField(max_length=100, blank=True)
    language = models.CharField("readout language", max_length=8, choices=READOUT_LANGUAGES, default="en")

    def __str__(self):
        return self.display_name or self.user.get_username()
