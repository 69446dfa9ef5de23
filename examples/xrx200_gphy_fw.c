// SPDX-License-Identifier: GPL-2.0
/*
 * Firmware loader for the GPHY cores of a Lantiq xRX200-style SoC, built
 * around the seed excerpt: the coherent buffer is realigned in place, so the
 * pointer the allocator returned is lost and can never be freed.
 */
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/firmware.h>
#include <linux/platform_device.h>

#define XRX200_GPHY_FW_ALIGN	(16 * 1024)

static dma_addr_t xway_gphy_load(struct device *dev, struct xway_gphy_priv *priv,
				 const struct firmware *fw)
{
	struct platform_device *pdev = to_platform_device(dev);
	dma_addr_t dev_addr = 0;
	size_t size;
	void *fw_addr;

	size = fw->size + XRX200_GPHY_FW_ALIGN;

	fw_addr = dma_alloc_coherent(&pdev->dev, size, &dev_addr, GFP_KERNEL);
	if (fw_addr) {
		fw_addr = PTR_ALIGN(fw_addr, XRX200_GPHY_FW_ALIGN);
		dev_addr = ALIGN(dev_addr, XRX200_GPHY_FW_ALIGN);
		memcpy(fw_addr, fw->data, fw->size);
	} else {
		dev_err(&pdev->dev, "failed to alloc firmware memory\n");
	}

	return dev_addr;
}
