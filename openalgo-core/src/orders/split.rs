//! Split orders: one large order as children of `splitsize` (rest-api §5.2).

use super::OrderError;
use crate::OrderId;

/// The most child orders one split may create.
pub const MAX_SPLIT_ORDERS: u64 = 100;

/// Child quantities: `total / size` children of `size`, then one child with the remainder.
///
/// # Errors
/// [`OrderError::SplitSizeZero`], [`OrderError::QuantityNotPositive`], or
/// [`OrderError::TooManySplitOrders`] above [`MAX_SPLIT_ORDERS`] children.
pub fn split_quantities(total: u64, size: u64) -> Result<Vec<u64>, OrderError> {
    if size == 0 {
        return Err(OrderError::SplitSizeZero);
    }
    if total == 0 {
        return Err(OrderError::QuantityNotPositive);
    }
    let full = total / size;
    let rem = total % size;
    let count = full + u64::from(rem > 0);
    if count > MAX_SPLIT_ORDERS {
        return Err(OrderError::TooManySplitOrders {
            count,
            max: MAX_SPLIT_ORDERS,
        });
    }
    let mut out = vec![size; usize::try_from(full).unwrap_or(0)];
    if rem > 0 {
        out.push(rem);
    }
    Ok(out)
}

/// The outcome of one child of a split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SplitLeg {
    /// 1-based child number.
    pub order_num: u32,
    /// Units of this child.
    pub quantity: u64,
    /// Its order id or why it failed.
    pub result: Result<OrderId, OrderError>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use rstest::rstest;

    #[rstest]
    #[case(105, 20, vec![20, 20, 20, 20, 20, 5])]
    #[case(100, 20, vec![20; 5])]
    #[case(15, 20, vec![15])]
    #[case(1000, 10, vec![10; 100])]
    #[case(1, 1, vec![1])]
    fn reference_examples(#[case] total: u64, #[case] size: u64, #[case] want: Vec<u64>) {
        assert_eq!(split_quantities(total, size).unwrap(), want);
    }

    #[rstest]
    #[case(1001, 10, 101)]
    #[case(250, 1, 250)]
    fn too_many_children(#[case] total: u64, #[case] size: u64, #[case] count: u64) {
        let err = split_quantities(total, size).unwrap_err();
        assert_eq!(err, OrderError::TooManySplitOrders { count, max: 100 });
        assert_eq!(
            err.to_string(),
            "Total number of orders would exceed maximum limit of 100"
        );
    }

    #[test]
    fn zero_inputs() {
        assert_eq!(split_quantities(10, 0), Err(OrderError::SplitSizeZero));
        assert_eq!(
            split_quantities(0, 10),
            Err(OrderError::QuantityNotPositive)
        );
    }

    proptest::proptest! {
        #[test]
        fn children_sum_to_total_and_only_last_is_smaller(total in 1u64..100_000, size in 1u64..10_000) {
            match split_quantities(total, size) {
                Ok(children) => {
                    proptest::prop_assert_eq!(children.iter().sum::<u64>(), total);
                    proptest::prop_assert!(children.len() as u64 <= MAX_SPLIT_ORDERS);
                    let (last, rest) = children.split_last().unwrap();
                    proptest::prop_assert!(rest.iter().all(|&c| c == size));
                    proptest::prop_assert!(*last <= size && *last > 0);
                }
                Err(OrderError::TooManySplitOrders { count, .. }) => {
                    proptest::prop_assert!(count > MAX_SPLIT_ORDERS);
                    proptest::prop_assert_eq!(count, total.div_ceil(size));
                }
                Err(e) => proptest::prop_assert!(false, "unexpected {e}"),
            }
        }
    }
}
