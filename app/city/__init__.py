"""The city itself: districts, streets (街道) and the departments that serve them."""
