"""Public-information chatbot (Korean and English): FAQ answers, live answers, self-check, hand-off."""
