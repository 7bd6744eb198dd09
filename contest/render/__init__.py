"""Files and figures the site renders: SVG charts, CSV and Excel exports, winner certificates."""
