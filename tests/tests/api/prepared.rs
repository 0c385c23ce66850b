//! `db::prepared`: hand-written SQL is prepared once per connection, where a
//! plain `sql_query` is prepared (parsed and planned) again on every run.

use consilium::db::{self, prepared::CachePrepared};
use consilium_tests::test_database_url;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Text};
use diesel_async::RunQueryDsl;

#[derive(QueryableByName, Debug, PartialEq)]
struct Sum {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

const ADD: &str = "select $1::bigint + $2::bigint as n /* prepared-test */";

async fn statements_like(conn: &mut diesel_async::AsyncPgConnection, marker: &str) -> i64 {
    diesel::sql_query("select count(*) as n from pg_prepared_statements where statement like '%' || $1 || '%' and statement not like '%pg_prepared_statements%'")
        .bind::<Text, _>(marker)
        .get_result::<Count>(conn)
        .await
        .expect("count prepared statements")
        .n
}

#[tokio::test]
async fn a_prepared_query_is_parsed_once_per_connection_and_returns_what_sql_query_does() {
    let mut conn = db::connect(&test_database_url()).await.expect("connect");
    for i in 0..5 {
        let got: Sum = diesel::sql_query(ADD)
            .bind::<BigInt, _>(i)
            .bind::<BigInt, _>(40)
            .cache_prepared()
            .get_result(&mut conn)
            .await
            .expect("prepared query");
        assert_eq!(got, Sum { n: i + 40 });
        // the same statement, still there: one entry however often it runs
        assert_eq!(statements_like(&mut conn, "prepared-test").await, 1);
    }
    let rows: Vec<Sum> = diesel::sql_query("select generate_series(1, $1::bigint) as n /* prepared-rows */")
        .bind::<BigInt, _>(3)
        .cache_prepared()
        .load(&mut conn)
        .await
        .expect("rows");
    assert_eq!(rows, vec![Sum { n: 1 }, Sum { n: 2 }, Sum { n: 3 }]);
    assert_eq!(statements_like(&mut conn, "prepared-rows").await, 1);

    // a plain sql_query leaves nothing behind: it was prepared for that one run
    let plain: Sum = diesel::sql_query("select $1::bigint as n /* plain-test */")
        .bind::<BigInt, _>(7)
        .get_result(&mut conn)
        .await
        .expect("plain query");
    assert_eq!(plain, Sum { n: 7 });
    assert_eq!(statements_like(&mut conn, "plain-test").await, 0);
}

#[tokio::test]
async fn a_bad_bind_through_a_prepared_query_is_an_error_and_the_connection_goes_on() {
    let mut conn = db::connect(&test_database_url()).await.expect("connect");
    let err = diesel::sql_query("select 1 / $1::bigint as n /* prepared-error */")
        .bind::<BigInt, _>(0)
        .cache_prepared()
        .get_result::<Sum>(&mut conn)
        .await
        .expect_err("division by zero");
    assert!(err.to_string().contains("division by zero"), "{err}");
    let ok: Sum = diesel::sql_query("select 1 / $1::bigint as n /* prepared-error */")
        .bind::<BigInt, _>(1)
        .cache_prepared()
        .get_result(&mut conn)
        .await
        .expect("the cached statement still works");
    assert_eq!(ok, Sum { n: 1 });
}
