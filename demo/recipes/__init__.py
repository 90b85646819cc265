"""Product recipes, one module per demo category: which products can exist and how each is described.

A recipe knows its product's name up front and builds the rest (attributes, tags, price, sentences)
on demand, so the assortment can pick among thousands of names without paying for every one.
"""
