"""Typed in-place editors for configuration values (one delegate for both OCPP versions).

The delegate never writes into the view's model: a finished edit is handed to
``stage(key, text)`` so the editor can validate it and keep it as a pending change.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QModelIndex, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractItemView, QCheckBox, QComboBox, QDoubleSpinBox, QLineEdit, QListWidget,
    QListWidgetItem, QSpinBox, QStyleOptionViewItem, QStyledItemDelegate, QWidget,
)

KEY_ROLE = Qt.ItemDataRole.UserRole + 1
MAX_STRING = 500
INT_MIN, INT_MAX = -(2 ** 31), 2 ** 31 - 1
LIST_TYPES = {"CSL", "MemberList", "SequenceList"}


def is_true(value: str | None) -> bool:
    return (value or "").strip().lower() in ("true", "1", "yes", "on")


def _number(value: Any, default: float) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return default


def editor_kind(item: Any) -> str:
    """'bool', 'int', 'decimal', 'members', 'choice' or 'text' for a ConfigItem."""
    kind = (item.type or "string")
    if kind == "boolean":
        return "bool"
    if kind == "integer":
        return "int"
    if kind == "decimal":
        return "decimal"
    if kind in LIST_TYPES and item.allowed:
        return "members"
    if kind == "OptionList" and item.allowed:
        return "choice"
    return "text"


def split_list(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


class MemberList(QListWidget):
    """A checkable list of the allowed members of a comma-separated list."""

    def __init__(self, allowed: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        for member in allowed:
            entry = QListWidgetItem(member, self)
            entry.setFlags(entry.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Unchecked)
        self.setToolTip("Tick the members to include; the order follows this list")

    def set_value(self, value: str | None) -> None:
        chosen = set(split_list(value))
        for row in range(self.count()):
            entry = self.item(row)
            entry.setCheckState(Qt.CheckState.Checked if entry.text() in chosen
                                else Qt.CheckState.Unchecked)

    def value(self) -> str:
        return ",".join(self.item(row).text() for row in range(self.count())
                        if self.item(row).checkState() == Qt.CheckState.Checked)


class ConfigDelegate(QStyledItemDelegate):
    """Creates the right editor for the ConfigItem behind a row."""

    def __init__(self, lookup: Callable[[str], Any], stage: Callable[[str, str], None],
                 current: Callable[[str], str | None], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lookup = lookup      # key -> ConfigItem | None
        self.stage = stage        # (key, text) -> None
        self.current = current    # key -> the value to start editing from (pending or read)

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
        elif kind == "int":
            editor = QSpinBox(parent)
            editor.setRange(int(_number(item.minimum, INT_MIN if _number(item.minimum, 0) < 0
                                        else 0)), int(_number(item.maximum, INT_MAX)))
            if item.unit:
                editor.setSuffix(f" {item.unit}")
        elif kind == "decimal":
            editor = QDoubleSpinBox(parent)
            editor.setDecimals(3)
            editor.setRange(_number(item.minimum, -1e9), _number(item.maximum, 1e9))
            if item.unit:
                editor.setSuffix(f" {item.unit}")
        elif kind == "members":
            editor = MemberList(tuple(item.allowed), parent)
        elif kind == "choice":
            editor = QComboBox(parent)
            editor.addItems(list(item.allowed))
        else:
            editor = QLineEdit(parent)
            limit = MAX_STRING
            if item.type == "string" and item.maximum is not None:
                limit = max(1, min(int(_number(item.maximum, MAX_STRING)), 100_000))
            editor.setMaxLength(limit)
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
        elif kind == "int":
            assert isinstance(editor, QSpinBox)
            editor.setValue(int(_number(value, editor.minimum())))
        elif kind == "decimal":
            assert isinstance(editor, QDoubleSpinBox)
            editor.setValue(_number(value, editor.minimum()))
        elif kind == "members":
            assert isinstance(editor, MemberList)
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
        if isinstance(editor, QSpinBox):
            return str(editor.value())
        if isinstance(editor, QDoubleSpinBox):
            return f"{editor.value():g}"
        if isinstance(editor, MemberList):
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
        elif isinstance(editor, (QSpinBox, QDoubleSpinBox, QComboBox)):
            rect.setWidth(max(rect.width(), 180))
        editor.setGeometry(rect)


def edit_triggers() -> QAbstractItemView.EditTrigger:
    return (QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.SelectedClicked)
