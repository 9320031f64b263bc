"""The outage tests' forwarder really cuts and restores connections."""

import pytest
import sqlalchemy as sa

from tests.conftest import PG_URL
from tests.functional import tcp_proxy

pytestmark = pytest.mark.skipif(not PG_URL,
                                reason="MISTRAL_CLONE_TEST_PG_URL is not set")


def test_cut_drops_and_refuses_until_restored():
    with tcp_proxy.proxy_for(PG_URL) as proxy:
        engine = sa.create_engine(proxy.url_for(PG_URL),
                                  poolclass=sa.pool.NullPool)
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select 1").scalar() == 1
            proxy.cut()
            with pytest.raises(sa.exc.OperationalError):
                conn.exec_driver_sql("select 1").scalar()
        with pytest.raises(sa.exc.OperationalError):
            engine.connect().close()
        proxy.restore()
        with engine.connect() as conn:
            assert conn.exec_driver_sql("select 1").scalar() == 1
        engine.dispose()
