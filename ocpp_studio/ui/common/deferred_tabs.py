"""Tabs whose pages are built after the window's first picture (issue 17).

The main window's tab bar shows every tab from the start, but the pages behind the
hidden tabs (and the modules they import) are not needed for the first picture: they cost
about 0.09 s of a 2-core machine's start. Each such tab holds an empty placeholder page
until its page is built, which happens at the first of:

- ``get(key)``: something asks for the page (the window forwards a selection, a test or
  the screenshot script opens it);
- the user switching to the tab;
- ``build_all()``: the app calls it right after the first paint, so a tab switch never
  waits and each page is there before a charger's first change reaches it.

The built page replaces the placeholder at the same place, with the same title and tooltip,
so ``indexOf(page)`` and ``setCurrentWidget(page)`` work as for any page.
"""

from __future__ import annotations

from typing import Callable

from PySide6.QtWidgets import QTabWidget, QWidget


class DeferredTabs:
    """Pages of ``tabs`` built on first need (see the module's docstring)."""

    def __init__(self, tabs: QTabWidget) -> None:
        self.tabs = tabs
        self._placeholders: dict[str, QWidget] = {}
        self._factories: dict[str, Callable[[], QWidget]] = {}
        self._pages: dict[str, QWidget] = {}
        tabs.currentChanged.connect(self._current_changed)

    def add(self, key: str, title: str, tooltip: str, factory: Callable[[], QWidget]) -> None:
        """A tab titled ``title`` whose page ``factory()`` builds when first needed."""
        placeholder = QWidget()
        index = self.tabs.addTab(placeholder, title)
        self.tabs.setTabToolTip(index, tooltip)
        self._placeholders[key] = placeholder
        self._factories[key] = factory

    def built(self, key: str) -> QWidget | None:
        """The page if it was built, else None (without building it)."""
        return self._pages.get(key)

    def pages(self) -> list[QWidget]:
        """The pages built so far."""
        return list(self._pages.values())

    def get(self, key: str) -> QWidget:
        """The page, built now if it was not yet."""
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self._factories.pop(key)()
            self._replace(self._placeholders.pop(key), page)
        return page

    def build_all(self) -> None:
        for key in list(self._factories):
            self.get(key)

    def _replace(self, placeholder: QWidget, page: QWidget) -> None:
        tabs = self.tabs
        index, current = tabs.indexOf(placeholder), tabs.currentIndex()
        title, tooltip = tabs.tabText(index), tabs.tabToolTip(index)
        blocked = tabs.blockSignals(True)  # the current tab does not change: say nothing
        try:
            tabs.removeTab(index)
            tabs.insertTab(index, page, title)
            tabs.setTabToolTip(index, tooltip)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        placeholder.deleteLater()

    def _current_changed(self, index: int) -> None:
        widget = self.tabs.widget(index)
        for key, placeholder in list(self._placeholders.items()):
            if placeholder is widget:
                self.get(key)
                return
