from datetime import datetime

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, IntegerField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from contest.domain import clock
from contest.domain.errors import DomainError
from contest.evidence import evidence_store
from contest.forms import FlaskForm

# WTForms' own messages are English; these fields and validators speak Chinese.

COUNT_MAX = 2_000_000_000  # fits a 32-bit integer column
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


class CountField(IntegerField):
    """A non-negative count; a malformed value gets a Chinese message."""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        try:
            self.data = int(valuelist[0].strip())
        except ValueError:
            self.data = None
            raise ValueError("请填写整数。") from None


class BeijingDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read and shown in Beijing time; ``data`` is aware UTC."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, format=[INPUT_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"], **kwargs)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return clock.to_local(self.data).strftime(INPUT_FORMAT) if self.data else ""

    def process_formdata(self, valuelist):
        if not valuelist or not valuelist[0].strip():
            self.data = None
            return
        text = valuelist[0].strip()
        for fmt in self.format:
            try:
                naive = datetime.strptime(text, fmt)
            except ValueError:
                continue
            self.data = naive.replace(tzinfo=clock.BEIJING).astimezone(clock.UTC)
            return
        self.data = None
        raise ValueError("请按“年-月-日 时:分”填写时间。")


def _count(label: str, *, required: bool = False):
    first = InputRequired(f"请填写{label}。") if required else Optional()
    return CountField(label, validators=[
        first, NumberRange(min=0, max=COUNT_MAX, message=f"{label}必须是不小于 0 的整数。")])


def _screenshot() -> FileField:
    return FileField("截图", validators=[FileRequired("请上传截图。")])


class ScreenshotCheck:
    """Checks a form's required evidence screenshot (``contest.evidence``)."""

    def validate_screenshot(self, field):
        # Early, so that every problem shows at once; the store checks again when saving.
        try:
            evidence_store().inspect(field.data.stream)
        except DomainError as exc:
            raise ValidationError(exc.message) from exc


class OwnerProofForm(ScreenshotCheck, FlaskForm):
    """A reviewer records the author's identity from evidence (the entrant cannot authorise Douyin)."""

    screenshot = _screenshot()
    note = TextAreaField("核实说明", filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        DataRequired("请写明核实了什么证据。"), Length(max=500, message="核实说明最多 500 个字。")])


class RecordLikesForm(ScreenshotCheck, FlaskForm):
    """A like count read by staff from a screenshot (entries without a platform token)."""

    likes = _count("点赞数", required=True)
    observed_at = BeijingDateTimeField("读数时间（北京时间）", validators=[InputRequired("请填写读数时间。")])
    comments = _count("评论数")
    shares = _count("分享数")
    plays = _count("播放数")
    screenshot = _screenshot()
    note = TextAreaField("备注", filters=[lambda v: v.strip() if isinstance(v, str) else v],
                         validators=[Optional(), Length(max=1000, message="备注最多 1000 个字。")])

    def validate_observed_at(self, field):
        # The input has minute precision: "now" typed in the current minute is not the future.
        if field.data is not None and field.data > clock.now().replace(second=59, microsecond=999_999):
            raise ValidationError("读数时间不能晚于现在。")


class TallyCorrectionForm(FlaskForm):
    """An admin's public correction of a closed contest's tally, with its evidence screenshot."""

    likes = _count("更正后的点赞数", required=True)
    observed_at = BeijingDateTimeField("点赞数对应的时间（北京时间）", validators=[InputRequired("请填写点赞数对应的时间。")])
    reason = TextAreaField("更正原因（公开显示）", filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        DataRequired("请填写更正原因。"), Length(max=500, message="更正原因最多 500 个字。")])
    screenshot = FileField("证据截图", validators=[FileRequired("请上传证据截图。")])

    validate_screenshot = RecordLikesForm.validate_screenshot


class DecideFlagForm(FlaskForm):
    """Clear or confirm a like flag; a note is required either way."""

    decision = StringField(validators=[AnyOf(["clear", "confirm"], message="请选择“排除”或“确认”。")])
    note = TextAreaField("处理说明", filters=[lambda v: v.strip() if isinstance(v, str) else v], validators=[
        DataRequired("请填写处理说明。"), Length(max=1000, message="处理说明最多 1000 个字。")])
    next = HiddenField()
