"""Rights, customs recordals, genuine products and authorised sellers."""
