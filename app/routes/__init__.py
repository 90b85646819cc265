"""Routes by whom they serve: storefront/ (visitors' pages), api/ (JSON clients), admin/ (the owner).

Each package's `routers` lists its modules' routers in the order app.main includes them.
"""
