"""One operation's form, built from its field descriptions (``Operation.describe``).

Each field kind gets its usual control: ``int`` a spin box (optional ones start at
"(not given)"), ``float`` a decimal spin box, ``bool`` a check box, ``choice`` a combo box,
``text`` and ``list`` (comma-separated) a line edit. The field's help from the catalogue is
the control's tooltip. The form only collects values: ``coerce_fields`` in the station layer
checks them, and the RPC layer checks the request against the schema before it is sent.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QCheckBox, QComboBox, QDoubleSpinBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget,
)

from ..common import theme
from .operation_groups import field_label

INT_MAX = 2_147_483_647
#: the spin box value standing for "not given" on an optional number
NOT_GIVEN = -1
NOT_GIVEN_TEXT = "(not given)"
#: widths of text and number fields (the form does not stretch them across the tab)
LINE_WIDTH, NUMBER_WIDTH = 340, 140


class OperationForm(QWidget):
    """The fields of one operation; ``values()`` gives what the user filled in."""

    def __init__(self, description: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.description = description
        self.name: str = description["name"]
        self.fields: list[dict[str, Any]] = list(description.get("fields") or [])
        self.dangerous: tuple[str, ...] = tuple(description.get("dangerous") or ())
        self.controls: dict[str, QWidget] = {}
        layout = QFormLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.FieldsStayAtSizeHint)
        for spec in self.fields:
            control = self._control(spec)
            tip = spec.get("help") or ""
            if spec["name"] in self.dangerous:
                tip = (tip + "\n" if tip else "") + "Some values of this field are dangerous: " \
                    "you are asked to confirm before they are sent."
            control.setToolTip(tip)
            label = QLabel(field_label(spec["name"]) + (" *" if spec.get("required") else ""))
            label.setToolTip(tip)
            self.controls[spec["name"]] = control
            layout.addRow(label, control)
        if not self.fields:
            note = QLabel("This operation has no fields.")
            note.setStyleSheet(theme.HINT_STYLE)
            layout.addRow(note)

    # ------------------------------------------------------------ controls
    def _control(self, spec: dict[str, Any]) -> QWidget:
        kind, default = spec["kind"], spec.get("default")
        if kind == "bool":
            box = QCheckBox()
            box.setChecked(bool(default))
            return box
        if kind == "choice":
            combo = QComboBox()
            if default is None and not spec.get("required"):
                combo.addItem("")  # an optional choice: not sent unless one is picked
            combo.addItems(list(spec.get("choices") or []))
            if default is not None:
                combo.setCurrentText(str(default))
            return combo
        if kind == "int":
            spin = QSpinBox()
            optional = default is None
            spin.setRange(NOT_GIVEN if optional else -INT_MAX, INT_MAX)
            if optional:
                spin.setSpecialValueText(NOT_GIVEN_TEXT)
            spin.setValue(NOT_GIVEN if optional else int(default))
            spin.setMinimumWidth(NUMBER_WIDTH)
            return spin
        if kind == "float":
            decimal = QDoubleSpinBox()
            decimal.setRange(-1e9, 1e9)
            decimal.setDecimals(3)
            decimal.setValue(float(default or 0))
            return decimal
        line = QLineEdit("" if default is None else
                         (", ".join(default) if isinstance(default, (list, tuple))
                          else str(default)))
        line.setPlaceholderText("comma-separated" if kind == "list" else
                                (spec.get("help") or ""))
        line.setMinimumWidth(LINE_WIDTH)
        return line

    # -------------------------------------------------------------- values
    def values(self) -> dict[str, Any]:
        """The filled-in values; fields left empty or "(not given)" are left out."""
        out: dict[str, Any] = {}
        for spec in self.fields:
            value = self._value(self.controls[spec["name"]])
            if value is not None:
                out[spec["name"]] = value
        return out

    @staticmethod
    def _value(control: QWidget) -> Any:
        if isinstance(control, QCheckBox):
            return control.isChecked()
        if isinstance(control, QComboBox):
            return control.currentText() or None
        if isinstance(control, QSpinBox):
            value = control.value()
            return None if control.specialValueText() and value == control.minimum() \
                else value
        if isinstance(control, QDoubleSpinBox):
            return control.value()
        assert isinstance(control, QLineEdit)
        return control.text().strip() or None

    def set_values(self, values: dict[str, Any]) -> None:
        """Fill fields in (e.g. from the charger card's menu); unknown names are ignored."""
        for name, value in values.items():
            control = self.controls.get(name)
            if isinstance(control, QCheckBox):
                control.setChecked(bool(value))
            elif isinstance(control, QComboBox):
                control.setCurrentText(str(value))
            elif isinstance(control, QSpinBox):
                control.setValue(control.minimum() if value is None else int(value))
            elif isinstance(control, QDoubleSpinBox):
                control.setValue(float(value))
            elif isinstance(control, QLineEdit):
                control.setText(", ".join(value) if isinstance(value, (list, tuple))
                                else "" if value is None else str(value))
