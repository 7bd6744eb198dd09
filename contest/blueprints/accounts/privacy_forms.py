from wtforms import StringField
from wtforms.validators import DataRequired, Length

from contest.domain.personal_data import CONFIRM_PHRASE
from contest.web.forms import FlaskForm


class DeleteAccountForm(FlaskForm):
    # The phrase rather than the password: a citizen who signed in with Douyin has none.
    # contest.domain.personal_data.delete_account checks it; this only bounds the input.
    confirmation = StringField(f"请输入“{CONFIRM_PHRASE}”确认", validators=[
        DataRequired(f"请输入“{CONFIRM_PHRASE}”四个字以确认。"),
        Length(max=20, message=f"请输入“{CONFIRM_PHRASE}”四个字以确认。"),
    ])
