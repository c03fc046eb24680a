"""Device backends. Only this package touches adbutils and uiautomator2."""
