"""After an order is placed: shipments with tracking links, delivery, the estimate and the customer's timeline."""
