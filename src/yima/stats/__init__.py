"""Market-entity statistics: register import, the zone figures, report, spreadsheet and dashboard."""
