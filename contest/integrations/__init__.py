"""What the site talks to besides its database: the public cache (Redis), SMS, the evidence store."""
