from django.apps import AppConfig


class ChatbotConfig(AppConfig):
    name = "epiaid.chatbot"
    label = "chatbot"
    verbose_name = "Public-information chatbot"
