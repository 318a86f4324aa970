"""Typed in-place editors for configuration values (one delegate for both OCPP versions).

The delegate never writes into the view's model: a finished edit is handed to
``stage(key, text)`` so the editor can validate it and keep it as a pending change.
"""

from __future__ import annotations

import math
from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QFormLayout, QFrame, QLineEdit, QListWidget,
    QListWidgetItem, QStyleOptionViewItem, QStyledItemDelegate, QWidget,
)

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_STRING = 500
LIST_TYPES = {"CSL", "MemberList", "SequenceList"}


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


#: lists whose members are "<connector>.<value>", one per connector (0 = the whole charger)
PER_CONNECTOR_KEYS = {"ConnectorPhaseRotation"}


def _bound(value: float) -> str:
    return f"{value:g}"


def allowed_range(item: Any) -> str:
    """The numbers a setting accepts, in words: "0 to 100 %", "at least 1 s"."""
    unit = f" {item.unit}" if item.unit else ""
    low, high = item.minimum, item.maximum
    if low is not None and high is not None:
        return f"{_bound(low)} to {_bound(high)}{unit}"
    if low is not None:
        return f"at least {_bound(low)}{unit}"
    if high is not None:
        return f"at most {_bound(high)}{unit}"
    return "any whole number" if item.type == "integer" else "any number"


def input_problem(item: Any, text: str) -> str | None:
    """Why typed text cannot be sent for this setting, naming what is allowed; else None.

    The editors accept any text so a value is never silently cut or clamped; this check
    rejects it instead, with the allowed range, and the typed text stays as typed.
    """
    kind = editor_kind(item)
    if kind in ("int", "decimal"):
        try:
            number = float(text.strip()) if kind == "decimal" else int(text.strip())
        except ValueError:
            noun = "a whole number" if kind == "int" else "a number"
            return f"{text!r} is not {noun}; allowed: {allowed_range(item)}."
        if not math.isfinite(number):
            return f"{text!r} is not a usable number; allowed: {allowed_range(item)}."
        if (item.minimum is not None and number < item.minimum) or \
                (item.maximum is not None and number > item.maximum):
            return f"{text} is out of range; allowed: {allowed_range(item)}."
    elif kind == "text" and item.type == "string" and item.maximum is not None:
        limit = int(_number(item.maximum, MAX_STRING))
        if len(text) > limit:
            return f"The text is {len(text)} characters long; at most {limit} are allowed."
    return None


def editor_kind(item: Any) -> str:
    """'bool', 'int', 'decimal', 'members', 'connectors', 'choice' or 'text' for a ConfigItem."""
    kind = (item.type or "string")
    if kind == "boolean":
        return "bool"
    if kind == "integer":
        return "int"
    if kind == "decimal":
        return "decimal"
    if kind in LIST_TYPES and item.allowed and item.key in PER_CONNECTOR_KEYS:
        return "connectors"
    if kind in LIST_TYPES and item.allowed:
        return "members"
    if kind == "OptionList" and item.allowed:
        return "choice"
    return "text"


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class MemberList(QListWidget):
    """A checkable list of the allowed members of a comma-separated list.

    Members the charger reported that are not in the allowed list are shown (ticked) too,
    and until a tick changes the value is returned exactly as given, order included.
    """

    def __init__(self, allowed: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._allowed = tuple(allowed)
        self._given: str | None = None
        for member in allowed:
            self._add(member)
        self.setToolTip("Tick the members to include; the order follows this list")
        self.itemChanged.connect(self._touched)

    def _add(self, member: str) -> QListWidgetItem:
        entry = QListWidgetItem(member, self)
        entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
        entry.setCheckState(Qt.CheckState.Unchecked)
        return entry

    def _touched(self, _entry: QListWidgetItem) -> None:
        self._given = None

    def set_value(self, value: str | None) -> None:
        self.blockSignals(True)
        chosen = split_list(value)
        for member in chosen:
            if not self.findItems(member, Qt.MatchFlag.MatchExactly):
                self._add(member).setToolTip("Reported by the charger; not a standard member")
        for row in range(self.count()):
            entry = self.item(row)
            entry.setCheckState(Qt.CheckState.Checked if entry.text() in chosen
                                else Qt.CheckState.Unchecked)
        self.blockSignals(False)
        self._given = value or ""

    def value(self) -> str:
        if self._given is not None:
            return self._given
        return ",".join(self.item(row).text() for row in range(self.count())
                        if self.item(row).checkState() == Qt.CheckState.Checked)


class ConnectorList(QFrame):
    """One choice per connector for lists like ConnectorPhaseRotation ("0.RST,1.NotApplicable").

    Every connector in the value (and every connector the charger has) gets a row, and
    entries that are not "<connector>.<value>" are kept as they are.
    """

    def __init__(self, allowed: tuple[str, ...], connectors: list[str] | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(self.palette().ColorRole.Base)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._allowed = tuple(allowed)
        self._connectors = list(connectors or [])
        self._layout = QFormLayout(self)
        self._layout.setContentsMargins(6, 4, 6, 4)
        self.combos: dict[str, QComboBox] = {}
        self._other: list[str] = []

    def set_value(self, value: str | None) -> None:
        entries: dict[str, str] = {}
        self._other = []
        for part in split_list(value):
            connector, dot, choice = part.partition(".")
            if dot and connector.isdigit():
                entries[connector] = choice
            else:
                self._other.append(part)
        labels = sorted(set(entries) | set(self._connectors) | ({"0"} if not entries else set()),
                        key=int)
        for connector in labels:
            combo = QComboBox(self)
            combo.addItems(list(self._allowed))
            current = entries.get(connector, "Unknown")
            if combo.findText(current) < 0:
                combo.addItem(current)  # keep what the charger said, even if unusual
            combo.setCurrentText(current)
            name = "Whole charger (0)" if connector == "0" else f"Connector {connector}"
            self._layout.addRow(name, combo)
            self.combos[connector] = combo
        # the view placed the editor before it knew the rows: grow to show every connector
        hint = self.sizeHint()
        self.resize(max(self.width(), hint.width(), 260), max(self.height(), hint.height()))

    def value(self) -> str:
        parts = [f"{connector}.{combo.currentText()}" for connector, combo in self.combos.items()]
        return ",".join(parts + self._other)


class ConfigDelegate(QStyledItemDelegate):
    """Creates the right editor for the ConfigItem behind a row."""

    def __init__(self, lookup: Callable[[str], Any], stage: Callable[[str, str], None],
                 current: Callable[[str], str | None], parent: QWidget | None = None,
                 connectors: Callable[[], list[str]] | None = None) -> None:
        super().__init__(parent)
        self.lookup = lookup      # key -> ConfigItem | None
        self.stage = stage        # (key, text) -> None
        self.current = current    # key -> the value to start editing from (pending or read)
        self.connectors = connectors or (lambda: [])  # the charger's connector numbers

    def _item(self, index: QModelIndex) -> tuple[str | None, Any]:
        key = index.data(KEY_ROLE)
        return key, (self.lookup(key) if key else None)

    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                     index: QModelIndex) -> QWidget | None:
        key, item = self._item(index)
        if item is None or item.readonly:
            return None
        kind = editor_kind(item)
        editor: QWidget
        if kind == "bool":
            editor = QCheckBox(parent)
            editor.setAutoFillBackground(True)
            editor.toggled.connect(lambda on, e=editor: e.setText("true" if on else "false"))
        elif kind in ("int", "decimal"):
            # a plain line edit: spin boxes clamp and drop keystrokes (150 % became 15);
            # the editor checks the text and rejects it with the range instead
            editor = QLineEdit(parent)
            editor.setPlaceholderText(f"allowed: {allowed_range(item)}")
            editor.setToolTip(f"Allowed: {allowed_range(item)}")
        elif kind == "members":
            editor = MemberList(tuple(item.allowed), parent)
        elif kind == "connectors":
            editor = ConnectorList(tuple(item.allowed), self.connectors(), parent)
        elif kind == "choice":
            editor = QComboBox(parent)
            editor.addItems(list(item.allowed))
        else:
            # no setMaxLength: it silently cuts pasted text; too long is rejected instead
            editor = QLineEdit(parent)
            if item.secret:
                editor.setEchoMode(QLineEdit.EchoMode.PasswordEchoOnEdit)
                editor.setPlaceholderText("new password or secret")
        editor.setProperty("configKind", kind)
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex) -> None:  # noqa: N802
        key, item = self._item(index)
        if item is None:
            return
        value = self.current(key)
        kind = editor.property("configKind")
        if kind == "bool":
            assert isinstance(editor, QCheckBox)
            editor.setChecked(is_true(value))
            editor.setText("true" if is_true(value) else "false")
        elif kind in ("members", "connectors"):
            assert isinstance(editor, (MemberList, ConnectorList))
            editor.set_value(value)
        elif kind == "choice":
            assert isinstance(editor, QComboBox)
            editor.setCurrentText(value or "")
        else:
            assert isinstance(editor, QLineEdit)
            editor.setText("" if item.secret else (value or ""))

    @staticmethod
    def editor_text(editor: QWidget) -> str:
        kind = editor.property("configKind")
        if isinstance(editor, QCheckBox):
            return "true" if editor.isChecked() else "false"
        if isinstance(editor, (MemberList, ConnectorList)):
            return editor.value()
        if isinstance(editor, QComboBox):
            return editor.currentText()
        assert isinstance(editor, QLineEdit), kind
        return editor.text()

    def setModelData(self, editor: QWidget, model: Any, index: QModelIndex) -> None:  # noqa: N802
        key, item = self._item(index)
        if item is None:
            return
        text = self.editor_text(editor)
        if item.secret and text == "":
            return  # nothing typed: keep the secret as it is
        if text != (self.current(key) or ""):
            self.stage(key, text)

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,  # noqa: N802
                             index: QModelIndex) -> None:
        rect = QRect(option.rect)
        if isinstance(editor, MemberList):
            row = editor.sizeHintForRow(0) if editor.count() else 20
            rect.setHeight(min(editor.count() * row + 6, 240))
            rect.setWidth(max(rect.width(), 260))
        elif isinstance(editor, ConnectorList):
            hint = editor.sizeHint()
            rect.setHeight(max(rect.height(), hint.height()))
            rect.setWidth(max(rect.width(), hint.width(), 260))
        elif isinstance(editor, QComboBox):
            rect.setWidth(max(rect.width(), 180))
        editor.setGeometry(rect)


def edit_triggers() -> QAbstractItemView.EditTrigger:
    return (QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked)
