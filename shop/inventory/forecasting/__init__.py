"""Demand forecasting and reorder advice: one implementation for the admin dashboard and the owner agent.

Why one package: the dashboard, the owner's chat tools and the nightly job must never disagree about
how many jars of honey will sell next week, so they all call `forecast.forecast`,
`reorder.reorder_suggestions` and `stored_forecasts.refresh_inventory_forecasts` here.

One module per step, in the order the data flows:

- `sales_history`: daily units per product and the shop's weekly rhythm, read from orders
  (`SalesHistory`, built once by the service container, keeps the rhythm between requests);
- `models`: each series' seller class and the statsforecast model that suits it;
- `forecast`: a forecast of the products asked for (the chart, the chat);
- `reorder`: reorder points, safety stock, order quantities and days of cover from a forecast;
- `stored_forecasts`: the batch job that stores every product's demand and restock alert;
- `backtest`: the models scored on a held-out stretch of history (bench/forecast.py).

Requests (a chart, a chat question) pass the app's `SalesHistory` to `forecast` and
`reorder_suggestions`; the job and the backtest take the database and read it afresh, once per run.
"""
