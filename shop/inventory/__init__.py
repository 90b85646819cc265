"""Stock insight for the owner: stock levels and alerts, demand forecasts, purchase orders."""
