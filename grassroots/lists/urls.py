from django.urls import path

app_name = "lists"

# Segment builder and list screens are added by lists.views; printable outputs by lists.outputs.
urlpatterns: list = []
