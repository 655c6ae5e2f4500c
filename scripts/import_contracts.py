"""An import-linter contract type: each domain is reached only through its ``services``.

``[tool.importlinter]`` in ``pyproject.toml`` registers it as ``domain_gateways``. For every direct
import between two top-level packages of ``app`` (the domains) — and from ``bots`` into a domain —
the imported module must be the domain's ``services`` (or inside it). The kernel and the shared
modules (``app.core``, ``app.extensions``) may be imported by anyone; the kernel itself imports no
domain. A new domain is covered the day it is created, with nothing to list.
"""

from __future__ import annotations

from importlinter import Contract, ContractCheck, fields, output


class DomainGatewaysContract(Contract):
    """Imports across domains go through ``<domain>.services``; the kernel imports no domain nor ``app``."""

    type_name = "domain_gateways"

    container = fields.StringField()  # app
    kernel = fields.StringField()  # app.core
    shared = fields.ListField(subfield=fields.StringField())  # modules everyone may import
    gateway = fields.StringField()  # services
    clients = fields.ListField(subfield=fields.StringField(), required=False)  # bots

    def check(self, graph, verbose: bool) -> ContractCheck:
        """Every direct import that crosses a domain boundary other than through the gateway."""
        broken = []
        for importer in sorted(graph.modules):
            source = self._owner(importer)
            if source is None:
                continue
            for imported in sorted(graph.find_modules_directly_imported_by(importer)):
                if source == self.kernel and imported == self.container:  # create_app lives there
                    broken.append((importer, imported, self._lines(graph, importer, imported)))
                    continue
                target = self._owner(imported)
                if target is None or target == source or self._allowed(source, imported, target):
                    continue
                broken.append((importer, imported, self._lines(graph, importer, imported)))
        return ContractCheck(kept=not broken, metadata={"broken": broken})

    def render_broken_contract(self, check: ContractCheck) -> None:
        """Say which imports cross a boundary, and the way through."""
        for importer, imported, lines in check.metadata["broken"]:
            where = ", ".join(f"l.{line}" for line in lines)
            output.print_error(f"{importer} -> {imported} ({where})", bold=False)
        output.new_line()
        output.print(
            f"Reach another domain through its {self.gateway} module; the kernel ({self.kernel}) imports "
            "no domain and does not build the application."
        )

    @staticmethod
    def _lines(graph, importer: str, imported: str) -> list[int]:
        return [d["line_number"] for d in graph.get_import_details(importer=importer, imported=imported)]

    def _owner(self, module: str) -> str | None:
        """The domain (or kernel, or client) a module belongs to; None for shared and outside modules."""
        if any(module == s or module.startswith(s + ".") for s in self.shared):
            return None
        for client in self.clients or ():
            if module == client or module.startswith(client + "."):
                return client
        parts = module.split(".")
        if parts[0] != self.container or len(parts) < 2:
            return None
        return ".".join(parts[:2])

    def _allowed(self, source: str, imported: str, target: str) -> bool:
        if target == self.kernel:
            return True
        if source == self.kernel:
            return False
        gateway = f"{target}.{self.gateway}"
        return imported == gateway or imported.startswith(gateway + ".")
