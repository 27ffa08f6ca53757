"""Drug–target interaction science, free of Django: data loading, features, model, ranking, docking."""
