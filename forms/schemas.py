"""The form-schema format: what a form developer writes (DESIGN §7).

Structural rules (shapes, lengths, counts) live here as pydantic types, so oversize or
malformed documents are refused before anything else; the rules that need the registries'
vocabulary (attribute paths, transforms, types, subjects) are in `forms.validation`, which
reports every problem at once. `field_type` and transform names are plain strings here so
that a typo gets a suggestion there rather than a bare "not one of" here.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StringConstraints

MAX_FIELDS = 300
MAX_COLUMNS = 40
MAX_SUBJECTS = 20
MAX_OPTIONS = 500
MAX_TRANSFORMS = 10
MAX_SCHEMA_BYTES = 512_000

FormId = Annotated[
    str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{1,63}$"), Field(examples=["ct01"])
]
KEY_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
Key = Annotated[str, StringConstraints(pattern=KEY_PATTERN)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)]
LongText = Annotated[str, StringConstraints(max_length=4000)]
AttributePath = Annotated[
    str,
    StringConstraints(max_length=200),
    Field(description="subject name, then attribute path: company.legal_representatives[0].name"),
]
Name = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class _Part(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class TransformCall(_Part):
    """A transform with arguments: `{"name": "join", "args": {"sep": " - "}}`."""

    name: Name
    args: dict[Name, str | int | bool] = Field(default_factory=dict, max_length=5)


TransformStep = Annotated[
    Name | TransformCall,
    Field(description="a transform's name, or a name with arguments (see the transform list)"),
]


class Prefill(_Part):
    """Where a field's value comes from: an attribute of a subject, then transforms."""

    from_: AttributePath = Field(alias="from")
    transform: list[TransformStep] = Field(default_factory=list, max_length=MAX_TRANSFORMS)
    locked: StrictBool | None = Field(
        None, description="registry values are locked (read-only) unless this says false"
    )


class Option(_Part):
    """A choice of a select field."""

    value: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    label: Label
    label_en: Label | None = None


class Column(_Part):
    """A column of a list field; `from` is a path inside one element of the list."""

    key: Key
    label: Label
    label_en: Label | None = None
    type: Name = "text"
    required: StrictBool = False
    options: list[Option] | None = Field(None, max_length=MAX_OPTIONS)
    from_: AttributePath | None = Field(
        None, alias="from", description="path inside an element; '.' for the element itself"
    )
    transform: list[TransformStep] = Field(default_factory=list, max_length=MAX_TRANSFORMS)


class FormField(_Part):
    """One field of a form."""

    key: Key
    label: Label
    label_en: Label | None = None
    type: Name = "text"
    required: StrictBool = False
    section: Key | None = None
    help: Annotated[str, StringConstraints(max_length=1000)] | None = None
    options: list[Option] | None = Field(None, max_length=MAX_OPTIONS)
    columns: list[Column] | None = Field(None, max_length=MAX_COLUMNS)
    prefill: Prefill | None = None


class Section(_Part):
    """A titled group of fields."""

    key: Key
    title: Label
    title_en: Label | None = None


class Subject(_Part):
    """A registry record the form is about: given by the caller (root) or reached `from`
    another subject's identifier attribute (chained)."""

    registry: Name | None = Field(None, description="citizen or business")
    from_: AttributePath | None = Field(None, alias="from")
    label: Label | None = None
    optional: StrictBool = Field(
        False, description="a root subject the caller may leave out (its fields not_applicable)"
    )


class FormSchema(_Part):
    """A form: its subjects, sections and fields."""

    id: FormId
    title: Label
    title_en: Label | None = None
    version: int | None = Field(None, ge=1, description="assigned by the store")
    description: LongText | None = None
    legal_basis: Annotated[str, StringConstraints(max_length=1000)] | None = None
    subjects: dict[Key, Subject] = Field(max_length=MAX_SUBJECTS)
    sections: list[Section] = Field(default_factory=list, max_length=50)
    fields: list[FormField] = Field(min_length=1, max_length=MAX_FIELDS)

    def canonical(self) -> dict[str, Any]:
        """The document without its version: what makes two registrations identical."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True, exclude={"version"})
