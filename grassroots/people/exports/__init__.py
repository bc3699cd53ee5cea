"""People exports: the columns and formats, the export job, and the screens."""
