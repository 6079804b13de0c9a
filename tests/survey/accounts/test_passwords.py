from survey import create_app
from survey.accounts.users import hash_password


def test_production_hashes_passwords_with_scrypt(tmp_path):
    app = create_app({"SECRET_KEY": "x", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/p.db"})
    with app.app_context():
        hashed = hash_password("correct horse battery")
    assert hashed.startswith("scrypt:")
    assert "correct horse" not in hashed
