"""The REST API over the tracker library: the app factory, middleware, errors, response models and
one router per concern."""
