"""What analysts download: workbooks, CSV and the codebook, built from the tidy answers frame."""
