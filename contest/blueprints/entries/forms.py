from wtforms import BooleanField, HiddenField, RadioField, SelectField, TextAreaField

from contest.web.forms import FlaskForm


class EntryForm(FlaskForm):
    # Theme, area and the link, its length (MAX_TEXT) included, are validated by the entry
    # rules (Chinese messages, and the form keeps what was typed).
    text = TextAreaField("抖音视频分享链接")
    video_id = HiddenField()  # set when the video was picked from the author's own list
    theme = RadioField("参赛主题", choices=[], validate_choice=False)
    area = SelectField("所在区县", choices=[], validate_choice=False)
    accept_rules = BooleanField("我已阅读并同意参赛规则")
    show_nickname = BooleanField("在公开页面显示我的抖音昵称（视频在抖音上本来就以这个昵称公开）。不勾选：显示打码昵称，"
                                 "作品页只显示封面和抖音链接，不嵌入会显示昵称的抖音播放器", default=True)

    def set_choices(self, contest) -> None:
        self.theme.choices = [(t.key, t.name) for t in contest.themes]
        self.area.choices = [("", "请选择区县")] + [(a.key, a.name) for a in contest.areas]


class ConfirmForm(FlaskForm):
    """A bare form whose only job is the CSRF token on one-button POSTs."""
