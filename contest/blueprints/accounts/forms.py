from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from contest.domain.accounts import NICKNAME_MAX
from contest.domain.passwords import PASSWORD_MAX, PASSWORD_MIN
from contest.domain.phones import normalise_phone
from contest.web.forms import FlaskForm, checked

# The account rules live in contest.domain.accounts; these validators only give early,
# field-by-field messages in Chinese (WTForms' own are English).


def _strip(value):
    return value.strip() if isinstance(value, str) else value


class SignupForm(FlaskForm):
    phone = StringField("手机号", validators=[DataRequired("请输入手机号。")])

    def validate_phone(self, field):
        field.data = checked(lambda: normalise_phone(field.data))


class CodeAndPasswordForm(FlaskForm):
    """The second step of sign-up and of a password reset: the code sent, and the password twice."""

    code = StringField("短信验证码", filters=[_strip], validators=[DataRequired("请输入验证码。"), Length(max=12, message="验证码是 6 位数字。")])
    password = PasswordField("设置密码", validators=[
        DataRequired("请设置密码。"),
        Length(min=PASSWORD_MIN, max=PASSWORD_MAX, message=f"密码需要 {PASSWORD_MIN} 到 {PASSWORD_MAX} 位。"),
    ])
    password_again = PasswordField("再次输入密码", validators=[
        DataRequired("请再次输入密码。"), EqualTo("password", message="两次输入的密码不一致。"),
    ])


class SignupConfirmForm(CodeAndPasswordForm):
    nickname = StringField("昵称", filters=[_strip], validators=[
        DataRequired("请填写昵称。"), Length(max=NICKNAME_MAX, message=f"昵称最多 {NICKNAME_MAX} 个字。"),
    ])


class ResetConfirmForm(CodeAndPasswordForm):
    pass


class LoginForm(FlaskForm):
    # The phone is checked by authenticate(), so the form keeps exactly what was typed.
    phone = StringField("手机号", validators=[DataRequired("请输入手机号。"), Length(max=32, message="请输入正确的 11 位手机号")])
    password = PasswordField("密码", validators=[DataRequired("请输入密码。"), Length(max=PASSWORD_MAX, message="手机号或密码错误。")])


class ActionForm(FlaskForm):
    """A bare form whose only job is the CSRF token on one-button POSTs."""


class AddPhoneForm(SignupForm):
    """Step 1 of adding a phone to a Douyin account (step 2 adds the code)."""


class AddPhoneConfirmForm(SignupForm):
    phone = StringField("手机号", id="confirm-phone", validators=[DataRequired("请输入手机号。")])
    code = StringField("短信验证码", filters=[_strip], validators=[
        DataRequired("请输入验证码。"), Length(max=12, message="验证码是 6 位数字。")])
