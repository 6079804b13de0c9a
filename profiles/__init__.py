"""What a country looks like: scores, gaps, change and charts, from the tidy answers frame."""
