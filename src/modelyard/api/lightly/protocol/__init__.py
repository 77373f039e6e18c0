"""Wire models of the Lightly dialect: camelCase, as the ``lightly==1.2.2`` client sends and
reads them."""
