from datetime import datetime

from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.fields import DateTimeLocalField
from wtforms.validators import AnyOf, DataRequired, InputRequired, Length, Optional, ValidationError

from contest import clock
from contest.integrations.evidence import evidence_store
from contest.web.forms import FlaskForm, checked
from contest.web.numbers import NOT_A_NUMBER, BoundedIntField

# WTForms' own messages are English; these fields and validators speak Chinese.

COUNT_MAX = 2_000_000_000  # fits a 32-bit integer column
INPUT_FORMAT = "%Y-%m-%dT%H:%M"


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
    return BoundedIntField(label, validators=[first], low=0, high=COUNT_MAX, message=f"{label}必须是不小于 0 的整数。",
                           not_a_number=NOT_A_NUMBER)


def _screenshot() -> FileField:
    return FileField("截图", validators=[FileRequired("请上传截图。")])


class ScreenshotCheck:
    """Checks a form's required evidence screenshot (``contest.integrations.evidence``)."""

    def validate_screenshot(self, field):
        # Early, so that every problem shows at once; the store checks again when saving.
        checked(lambda: evidence_store().inspect(field.data.stream))


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


class WindowField(BeijingDateTimeField):
    """A window boundary to the second (the close second is inside the window)."""

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        return clock.to_local(self.data).strftime("%Y-%m-%dT%H:%M:%S") if self.data else ""


class ContestForm(FlaskForm):
    """A contest as an admin creates or edits it (``/staff/contests``)."""

    name = StringField("活动名称", validators=[DataRequired("请填写活动名称。"), Length(max=200)])
    slug = StringField("活动标识（网址中的名字）", validators=[DataRequired("请填写活动标识。"), Length(max=64)])
    opens_at = WindowField("开始时间（北京时间）", validators=[InputRequired("请填写开始时间。")])
    closes_at = WindowField("结束时间（北京时间，这一秒仍在活动内）", validators=[InputRequired("请填写结束时间。")])
    hashtag = StringField("话题（不带 #）", validators=[DataRequired("请填写话题。"), Length(max=50)])
    mention = StringField("需要 @ 的账号（不带 @）", validators=[DataRequired("请填写需要 @ 的账号。"), Length(max=50)])
    slogan = StringField("口号", validators=[DataRequired("请填写口号。"), Length(max=200)])
    themes = TextAreaField("参赛主题（每行一个：标识|名称|说明，按顺序）", validators=[DataRequired("请填写参赛主题。")])
    areas = TextAreaField("区县（每行一个：标识|名称，按顺序）", validators=[DataRequired("请填写区县。")])
    popularity_award_size = BoundedIntField("人气奖名额", validators=[InputRequired("请填写人气奖名额。")], low=1, high=100,
                                            message="名额必须是 1 到 100 之间的整数。")
    excellence_award_size = BoundedIntField("优秀奖名额", validators=[InputRequired("请填写优秀奖名额。")], low=1, high=100,
                                            message="名额必须是 1 到 100 之间的整数。")
    allow_double_win = BooleanField("同一作品可同时获得人气奖和优秀奖")
    theme_award_places = BooleanField("每个主题另设获奖名额（不勾选：只设总榜名额，与公告一致）")
    notice_days = BoundedIntField("获奖名单公示天数", validators=[InputRequired("请填写公示天数。")], low=1, high=30,
                                  message="公示天数必须是 1 到 30 之间的整数。")
    min_judges = BoundedIntField("优秀奖每件作品需要的评委人数", validators=[InputRequired("请填写评委人数。")], low=1, high=50,
                                 message="评委人数必须是 1 到 50 之间的整数。")
    organiser = StringField("主办单位（印在获奖证书上）", validators=[Optional(), Length(max=200)])
    signatory = StringField("证书落款（可不填，例如“负责人：张三”）", validators=[Optional(), Length(max=100)])
    seal = FileField("证书印章图片（PNG，透明背景，不超过 512 KB；可不传）")
    remove_seal = BooleanField("去掉证书上的印章")
    reason = TextAreaField("修改原因（活动已有作品时，修改时间、话题、@账号或主题必须填写）",
                           validators=[Optional(), Length(max=500)])
