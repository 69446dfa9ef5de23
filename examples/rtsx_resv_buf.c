// SPDX-License-Identifier: GPL-2.0
/*
 * Reserved command buffer of a Realtek card-reader-style PCI driver, from the
 * seed excerpt. The allocation is checked and freed correctly, but the
 * descriptor ring is zeroed by hand although the allocator already did it,
 * and the DMA mask is set without a check.
 */
#include <linux/dma-mapping.h>
#include <linux/pci.h>

#define RTSX_RESV_BUF_LEN	4096
#define HOST_CMDS_BUF_LEN	1024

struct rtsx_chip {
	void *host_cmds_ptr;
	void *host_sg_tbl_ptr;
};

struct rtsx_dev {
	struct pci_dev *pci;
	struct rtsx_chip *chip;
	void *rtsx_resv_buf;
	dma_addr_t rtsx_resv_buf_addr;
};

static int rtsx_acquire_buffers(struct pci_dev *pci, struct rtsx_dev *dev)
{
	int err;

	dma_set_mask(&pci->dev, DMA_BIT_MASK(32));

	dev->rtsx_resv_buf = dma_alloc_coherent(&(pci->dev), RTSX_RESV_BUF_LEN,
			&(dev->rtsx_resv_buf_addr), GFP_KERNEL);
	if (dev->rtsx_resv_buf == NULL) {
		dev_err(&pci->dev, "alloc dma buffer fail\n");
		err = -ENXIO;
		goto errout;
	}
	memset(dev->rtsx_resv_buf, 0, RTSX_RESV_BUF_LEN);
	dev->chip->host_cmds_ptr = dev->rtsx_resv_buf;
	dev->chip->host_sg_tbl_ptr = dev->rtsx_resv_buf + HOST_CMDS_BUF_LEN;
	return 0;

errout:
	return err;
}

static void rtsx_release_buffers(struct rtsx_dev *dev)
{
	if (dev->rtsx_resv_buf) {
		dma_free_coherent(&(dev->pci->dev), RTSX_RESV_BUF_LEN,
				dev->rtsx_resv_buf, dev->rtsx_resv_buf_addr);
		dev->chip->host_cmds_ptr = NULL;
		dev->chip->host_sg_tbl_ptr = NULL;
	}
}
